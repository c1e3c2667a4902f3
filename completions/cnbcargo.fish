# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cnbcargo_global_optspecs
    string join \n v/verbose q/quiet h/help V/version
end

function __fish_cnbcargo_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cnbcargo_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cnbcargo_using_subcommand
    set -l cmd (__fish_cnbcargo_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -s v -l verbose -d 'Say more (`-vv` for even more); tokens are never shown'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -s q -l quiet -d 'Print only errors'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -s V -l version -d 'Print version'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -f -a "init" -d 'Configure cargo to use a CNB registry'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -f -a "login" -d 'Give cargo a CNB token for a registry'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -f -a "logout" -d 'Remove a registry\'s token from cargo and from the OS keyring'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -f -a "publish" -d 'Publish crates, working around CNB\'s crates.io proxy'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -f -a "delete" -d 'Delete crate versions from a CNB registry (cargo cannot)'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -f -a "yank" -d 'Yank (or with `--undo`, unyank) crate versions through cargo'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -f -a "list" -d 'List the registry\'s crates, or one crate\'s versions'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -f -a "doctor" -d 'Find what is wrong with this machine\'s setup, and say how to fix it'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -f -a "ci" -d 'Write a `.cnb.yaml` pipeline that publishes on tag pushes'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c cnbcargo -n "__fish_cnbcargo_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand init" -l name -d 'The name cargo knows the registry by' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand init" -l global -d 'Edit `$CARGO_HOME/config.toml` instead of the project\'s config'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand init" -l no-default -d 'Do not make this registry `registry.default`'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand init" -l dry-run -d 'Print the change as a diff and write nothing'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand init" -s v -l verbose -d 'Say more (`-vv` for even more); tokens are never shown'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand init" -s q -l quiet -d 'Print only errors'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand init" -s V -l version -d 'Print version'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand login" -l registry -d 'The registry, by its name in cargo\'s config (default: `registry.default`, else the only CNB registry configured)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand login" -l token-stdin -d 'Read the token from standard input'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand login" -l no-keyring -d 'Do not keep a copy of the token in the OS keyring'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand login" -s v -l verbose -d 'Say more (`-vv` for even more); tokens are never shown'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand login" -s q -l quiet -d 'Print only errors'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand login" -s V -l version -d 'Print version'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand logout" -l registry -d 'The registry, by its name in cargo\'s config (default: `registry.default`, else the only CNB registry configured)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand logout" -s v -l verbose -d 'Say more (`-vv` for even more); tokens are never shown'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand logout" -s q -l quiet -d 'Print only errors'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand logout" -s h -l help -d 'Print help'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand logout" -s V -l version -d 'Print version'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -s p -l package -d 'Package(s) to publish' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l exclude -d 'Leave these packages out (with `--workspace`, or at the workspace root)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l manifest-path -d 'Path to the `Cargo.toml`' -r -F
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l registry -d 'The registry, by its name in cargo\'s config (default: `registry.default`, else the only CNB registry configured)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l placeholder -d 'When to publish a placeholder version first' -r -f -a "auto\t'Only when CNB\'s crates.io proxy already lists the version'
always\t'Whenever the version is not in the registry yet'
never\t'Never; stop with an explanation instead'"
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l index-timeout -d 'Seconds to wait for the index to list a new version before its dependents are published' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -s F -l features -d 'Features to activate (space or comma separated)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l target -d 'Build for this target triple' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l target-dir -d 'Directory for the verification build' -r -F
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -s j -l jobs -d 'Parallel build jobs' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l api-endpoint -d 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l workspace -d 'Publish every member of the workspace'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l keep-placeholder -d 'Leave the placeholder versions in the registry'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -s n -l dry-run -d 'Run cargo\'s checks and show the plan; upload nothing'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l json -d 'Print a machine-readable report on standard output'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l allow-dirty -d 'Allow a dirty working directory'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l no-verify -d 'Do not verify the contents by building them'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l all-features -d 'Activate all features'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l no-default-features -d 'Do not activate the `default` feature'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l keep-going -d 'Do not stop the verification build at the first error'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l locked -d 'Assert that `Cargo.lock` stays unchanged'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l offline -d 'Run without the network'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -l frozen -d '`--locked` and `--offline`'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -s v -l verbose -d 'Say more (`-vv` for even more); tokens are never shown'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -s q -l quiet -d 'Print only errors'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand publish" -s V -l version -d 'Print version'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand delete" -l registry -d 'The registry, by its name in cargo\'s config (default: `registry.default`, else the only CNB registry configured)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand delete" -s j -l jobs -d 'Deletions in flight at once' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand delete" -l api-endpoint -d 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand delete" -l all -d 'Every version of the named crates (for delete: the whole package)'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand delete" -s y -l yes -d 'Do not ask for confirmation (needed without a terminal)'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand delete" -l dry-run -d 'List what would be deleted, delete nothing'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand delete" -s v -l verbose -d 'Say more (`-vv` for even more); tokens are never shown'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand delete" -s q -l quiet -d 'Print only errors'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand delete" -s V -l version -d 'Print version'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand yank" -l registry -d 'The registry, by its name in cargo\'s config (default: `registry.default`, else the only CNB registry configured)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand yank" -l api-endpoint -d 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand yank" -l all -d 'Every version of the named crates (for delete: the whole package)'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand yank" -l undo -d 'Unyank instead'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand yank" -s v -l verbose -d 'Say more (`-vv` for even more); tokens are never shown'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand yank" -s q -l quiet -d 'Print only errors'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand yank" -s h -l help -d 'Print help'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand yank" -s V -l version -d 'Print version'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand list" -l registry -d 'The registry, by its name in cargo\'s config (default: `registry.default`, else the only CNB registry configured)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand list" -l api-endpoint -d 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand list" -l json -d 'Print JSON instead of a table'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand list" -s v -l verbose -d 'Say more (`-vv` for even more); tokens are never shown'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand list" -s q -l quiet -d 'Print only errors'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand list" -s h -l help -d 'Print help'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand list" -s V -l version -d 'Print version'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand doctor" -l registry -d 'The registry, by its name in cargo\'s config (default: `registry.default`, else the only CNB registry configured)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand doctor" -l api-endpoint -d 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand doctor" -l json -d 'Print a machine-readable report'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand doctor" -l offline -d 'Skip the checks that use the network'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand doctor" -s v -l verbose -d 'Say more (`-vv` for even more); tokens are never shown'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand doctor" -s q -l quiet -d 'Print only errors'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand ci" -l install -d 'The command the pipeline runs to install cnbcargo' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand ci" -l image -d 'The pipeline\'s Docker image (default: `rust:<version>`, the newest of the workspace\'s `rust-version` and what cnbcargo needs)' -r
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand ci" -l dry-run -d 'Print the change as a diff and write nothing'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand ci" -s v -l verbose -d 'Say more (`-vv` for even more); tokens are never shown'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand ci" -s q -l quiet -d 'Print only errors'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand ci" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand ci" -s V -l version -d 'Print version'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand completions" -s v -l verbose -d 'Say more (`-vv` for even more); tokens are never shown'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand completions" -s q -l quiet -d 'Print only errors'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand completions" -s h -l help -d 'Print help'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand completions" -s V -l version -d 'Print version'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand help; and not __fish_seen_subcommand_from init login logout publish delete yank list doctor ci completions help" -f -a "init" -d 'Configure cargo to use a CNB registry'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand help; and not __fish_seen_subcommand_from init login logout publish delete yank list doctor ci completions help" -f -a "login" -d 'Give cargo a CNB token for a registry'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand help; and not __fish_seen_subcommand_from init login logout publish delete yank list doctor ci completions help" -f -a "logout" -d 'Remove a registry\'s token from cargo and from the OS keyring'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand help; and not __fish_seen_subcommand_from init login logout publish delete yank list doctor ci completions help" -f -a "publish" -d 'Publish crates, working around CNB\'s crates.io proxy'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand help; and not __fish_seen_subcommand_from init login logout publish delete yank list doctor ci completions help" -f -a "delete" -d 'Delete crate versions from a CNB registry (cargo cannot)'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand help; and not __fish_seen_subcommand_from init login logout publish delete yank list doctor ci completions help" -f -a "yank" -d 'Yank (or with `--undo`, unyank) crate versions through cargo'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand help; and not __fish_seen_subcommand_from init login logout publish delete yank list doctor ci completions help" -f -a "list" -d 'List the registry\'s crates, or one crate\'s versions'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand help; and not __fish_seen_subcommand_from init login logout publish delete yank list doctor ci completions help" -f -a "doctor" -d 'Find what is wrong with this machine\'s setup, and say how to fix it'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand help; and not __fish_seen_subcommand_from init login logout publish delete yank list doctor ci completions help" -f -a "ci" -d 'Write a `.cnb.yaml` pipeline that publishes on tag pushes'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand help; and not __fish_seen_subcommand_from init login logout publish delete yank list doctor ci completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c cnbcargo -n "__fish_cnbcargo_using_subcommand help; and not __fish_seen_subcommand_from init login logout publish delete yank list doctor ci completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
