
use builtin;
use str;

set edit:completion:arg-completer[cnbcargo] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'cnbcargo'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'cnbcargo'= {
            cand -v 'Say more (`-vv` for even more); tokens are never shown'
            cand --verbose 'Say more (`-vv` for even more); tokens are never shown'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Configure cargo to use a CNB registry'
            cand login 'Give cargo a CNB token for a registry'
            cand logout 'Remove a registry''s token from cargo and from the OS keyring'
            cand publish 'Publish crates, working around CNB''s crates.io proxy'
            cand delete 'Delete crate versions from a CNB registry (cargo cannot)'
            cand yank 'Yank (or with `--undo`, unyank) crate versions through cargo'
            cand list 'List the registry''s crates, or one crate''s versions'
            cand doctor 'Find what is wrong with this machine''s setup, and say how to fix it'
            cand ci 'Write a `.cnb.yaml` pipeline that publishes on tag pushes'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cnbcargo;init'= {
            cand --name 'The name cargo knows the registry by'
            cand --global 'Edit `$CARGO_HOME/config.toml` instead of the project''s config'
            cand --no-default 'Do not make this registry `registry.default`'
            cand --dry-run 'Print the change as a diff and write nothing'
            cand -v 'Say more (`-vv` for even more); tokens are never shown'
            cand --verbose 'Say more (`-vv` for even more); tokens are never shown'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cnbcargo;login'= {
            cand --registry 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)'
            cand --token-stdin 'Read the token from standard input'
            cand --no-keyring 'Do not keep a copy of the token in the OS keyring'
            cand -v 'Say more (`-vv` for even more); tokens are never shown'
            cand --verbose 'Say more (`-vv` for even more); tokens are never shown'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cnbcargo;logout'= {
            cand --registry 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)'
            cand -v 'Say more (`-vv` for even more); tokens are never shown'
            cand --verbose 'Say more (`-vv` for even more); tokens are never shown'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cnbcargo;publish'= {
            cand -p 'Package(s) to publish'
            cand --package 'Package(s) to publish'
            cand --exclude 'Leave these packages out (with `--workspace`, or at the workspace root)'
            cand --manifest-path 'Path to the `Cargo.toml`'
            cand --registry 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)'
            cand --placeholder 'When to publish a placeholder version first'
            cand --index-timeout 'Seconds to wait for the index to list a new version before its dependents are published'
            cand -F 'Features to activate (space or comma separated)'
            cand --features 'Features to activate (space or comma separated)'
            cand --target 'Build for this target triple'
            cand --target-dir 'Directory for the verification build'
            cand -j 'Parallel build jobs'
            cand --jobs 'Parallel build jobs'
            cand --api-endpoint 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)'
            cand --workspace 'Publish every member of the workspace'
            cand --keep-placeholder 'Leave the placeholder versions in the registry'
            cand -n 'Run cargo''s checks and show the plan; upload nothing'
            cand --dry-run 'Run cargo''s checks and show the plan; upload nothing'
            cand --json 'Print a machine-readable report on standard output'
            cand --allow-dirty 'Allow a dirty working directory'
            cand --no-verify 'Do not verify the contents by building them'
            cand --all-features 'Activate all features'
            cand --no-default-features 'Do not activate the `default` feature'
            cand --keep-going 'Do not stop the verification build at the first error'
            cand --locked 'Assert that `Cargo.lock` stays unchanged'
            cand --offline 'Run without the network'
            cand --frozen '`--locked` and `--offline`'
            cand -v 'Say more (`-vv` for even more); tokens are never shown'
            cand --verbose 'Say more (`-vv` for even more); tokens are never shown'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cnbcargo;delete'= {
            cand --registry 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)'
            cand -j 'Deletions in flight at once'
            cand --jobs 'Deletions in flight at once'
            cand --api-endpoint 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)'
            cand --all 'Every version of the named crates (for delete: the whole package)'
            cand -y 'Do not ask for confirmation (needed without a terminal)'
            cand --yes 'Do not ask for confirmation (needed without a terminal)'
            cand --dry-run 'List what would be deleted, delete nothing'
            cand -v 'Say more (`-vv` for even more); tokens are never shown'
            cand --verbose 'Say more (`-vv` for even more); tokens are never shown'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cnbcargo;yank'= {
            cand --registry 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)'
            cand --api-endpoint 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)'
            cand --all 'Every version of the named crates (for delete: the whole package)'
            cand --undo 'Unyank instead'
            cand -v 'Say more (`-vv` for even more); tokens are never shown'
            cand --verbose 'Say more (`-vv` for even more); tokens are never shown'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cnbcargo;list'= {
            cand --registry 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)'
            cand --api-endpoint 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)'
            cand --json 'Print JSON instead of a table'
            cand -v 'Say more (`-vv` for even more); tokens are never shown'
            cand --verbose 'Say more (`-vv` for even more); tokens are never shown'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cnbcargo;doctor'= {
            cand --registry 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)'
            cand --api-endpoint 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)'
            cand --json 'Print a machine-readable report'
            cand --offline 'Skip the checks that use the network'
            cand -v 'Say more (`-vv` for even more); tokens are never shown'
            cand --verbose 'Say more (`-vv` for even more); tokens are never shown'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cnbcargo;ci'= {
            cand --install 'The command the pipeline runs to install cnbcargo'
            cand --image 'The pipeline''s Docker image (default: `rust:<version>`, the newest of the workspace''s `rust-version` and what cnbcargo needs)'
            cand --dry-run 'Print the change as a diff and write nothing'
            cand -v 'Say more (`-vv` for even more); tokens are never shown'
            cand --verbose 'Say more (`-vv` for even more); tokens are never shown'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cnbcargo;completions'= {
            cand -v 'Say more (`-vv` for even more); tokens are never shown'
            cand --verbose 'Say more (`-vv` for even more); tokens are never shown'
            cand -q 'Print only errors'
            cand --quiet 'Print only errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cnbcargo;help'= {
            cand init 'Configure cargo to use a CNB registry'
            cand login 'Give cargo a CNB token for a registry'
            cand logout 'Remove a registry''s token from cargo and from the OS keyring'
            cand publish 'Publish crates, working around CNB''s crates.io proxy'
            cand delete 'Delete crate versions from a CNB registry (cargo cannot)'
            cand yank 'Yank (or with `--undo`, unyank) crate versions through cargo'
            cand list 'List the registry''s crates, or one crate''s versions'
            cand doctor 'Find what is wrong with this machine''s setup, and say how to fix it'
            cand ci 'Write a `.cnb.yaml` pipeline that publishes on tag pushes'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cnbcargo;help;init'= {
        }
        &'cnbcargo;help;login'= {
        }
        &'cnbcargo;help;logout'= {
        }
        &'cnbcargo;help;publish'= {
        }
        &'cnbcargo;help;delete'= {
        }
        &'cnbcargo;help;yank'= {
        }
        &'cnbcargo;help;list'= {
        }
        &'cnbcargo;help;doctor'= {
        }
        &'cnbcargo;help;ci'= {
        }
        &'cnbcargo;help;completions'= {
        }
        &'cnbcargo;help;help'= {
        }
    ]
    $completions[$command]
}
