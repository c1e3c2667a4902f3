# Completion for cnbcargo: it asks cnbcargo itself as you type, so `--registry`
# offers the registries cargo's config names here and `-p` the workspace's
# packages. Save this file and `source` it from your config.nu; a completer
# set before it keeps completing every other command.
let __cnbcargo_previous_completer = $env.config.completions.external.completer?
$env.config.completions.external.enable = true
$env.config.completions.external.completer = {|spans|
    if ($spans | first) == "cnbcargo" {
        CNBCARGO_COMPLETE=nushell ^"cnbcargo" -- ...$spans
        | lines
        | each {|line|
            let parts = ($line | split row "\t")
            {value: ($parts | first), description: ($parts | get 1? | default "")}
        }
    } else if $__cnbcargo_previous_completer != null {
        do $__cnbcargo_previous_completer $spans
    }
}
