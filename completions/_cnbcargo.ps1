
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'cnbcargo' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'cnbcargo'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'cnbcargo' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Configure cargo to use a CNB registry')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Give cargo a CNB token for a registry')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove a registry''s token from cargo and from the OS keyring')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Publish crates, working around CNB''s crates.io proxy')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete crate versions from a CNB registry (cargo cannot)')
            [CompletionResult]::new('yank', 'yank', [CompletionResultType]::ParameterValue, 'Yank (or with `--undo`, unyank) crate versions through cargo')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the registry''s crates, or one crate''s versions')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Find what is wrong with this machine''s setup, and say how to fix it')
            [CompletionResult]::new('ci', 'ci', [CompletionResultType]::ParameterValue, 'Write a `.cnb.yaml` pipeline that publishes on tag pushes')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cnbcargo;init' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The name cargo knows the registry by')
            [CompletionResult]::new('--global', '--global', [CompletionResultType]::ParameterName, 'Edit `$CARGO_HOME/config.toml` instead of the project''s config')
            [CompletionResult]::new('--no-default', '--no-default', [CompletionResultType]::ParameterName, 'Do not make this registry `registry.default`')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the change as a diff and write nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cnbcargo;login' {
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the token from standard input')
            [CompletionResult]::new('--no-keyring', '--no-keyring', [CompletionResultType]::ParameterName, 'Do not keep a copy of the token in the OS keyring')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cnbcargo;logout' {
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cnbcargo;publish' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Package(s) to publish')
            [CompletionResult]::new('--package', '--package', [CompletionResultType]::ParameterName, 'Package(s) to publish')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave these packages out (with `--workspace`, or at the workspace root)')
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the `Cargo.toml`')
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)')
            [CompletionResult]::new('--placeholder', '--placeholder', [CompletionResultType]::ParameterName, 'When to publish a placeholder version first')
            [CompletionResult]::new('--index-timeout', '--index-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the index to list a new version before its dependents are published')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'Features to activate (space or comma separated)')
            [CompletionResult]::new('--features', '--features', [CompletionResultType]::ParameterName, 'Features to activate (space or comma separated)')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Build for this target triple')
            [CompletionResult]::new('--target-dir', '--target-dir', [CompletionResultType]::ParameterName, 'Directory for the verification build')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Parallel build jobs')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Parallel build jobs')
            [CompletionResult]::new('--api-endpoint', '--api-endpoint', [CompletionResultType]::ParameterName, 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Publish every member of the workspace')
            [CompletionResult]::new('--keep-placeholder', '--keep-placeholder', [CompletionResultType]::ParameterName, 'Leave the placeholder versions in the registry')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Run cargo''s checks and show the plan; upload nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Run cargo''s checks and show the plan; upload nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a machine-readable report on standard output')
            [CompletionResult]::new('--allow-dirty', '--allow-dirty', [CompletionResultType]::ParameterName, 'Allow a dirty working directory')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Do not verify the contents by building them')
            [CompletionResult]::new('--all-features', '--all-features', [CompletionResultType]::ParameterName, 'Activate all features')
            [CompletionResult]::new('--no-default-features', '--no-default-features', [CompletionResultType]::ParameterName, 'Do not activate the `default` feature')
            [CompletionResult]::new('--keep-going', '--keep-going', [CompletionResultType]::ParameterName, 'Do not stop the verification build at the first error')
            [CompletionResult]::new('--locked', '--locked', [CompletionResultType]::ParameterName, 'Assert that `Cargo.lock` stays unchanged')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Run without the network')
            [CompletionResult]::new('--frozen', '--frozen', [CompletionResultType]::ParameterName, '`--locked` and `--offline`')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cnbcargo;delete' {
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Deletions in flight at once')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Deletions in flight at once')
            [CompletionResult]::new('--api-endpoint', '--api-endpoint', [CompletionResultType]::ParameterName, 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every version of the named crates (for delete: the whole package)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'List what would be deleted, delete nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cnbcargo;yank' {
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)')
            [CompletionResult]::new('--api-endpoint', '--api-endpoint', [CompletionResultType]::ParameterName, 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every version of the named crates (for delete: the whole package)')
            [CompletionResult]::new('--undo', '--undo', [CompletionResultType]::ParameterName, 'Unyank instead')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cnbcargo;list' {
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)')
            [CompletionResult]::new('--api-endpoint', '--api-endpoint', [CompletionResultType]::ParameterName, 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cnbcargo;doctor' {
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'The registry, by its name in cargo''s config (default: `registry.default`, else the only CNB registry configured)')
            [CompletionResult]::new('--api-endpoint', '--api-endpoint', [CompletionResultType]::ParameterName, 'The CNB OpenAPI base URL (default: `CNB_API_ENDPOINT`, else `https://api.<domain>` for an index on `cargo.<domain>`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a machine-readable report')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Skip the checks that use the network')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cnbcargo;ci' {
            [CompletionResult]::new('--install', '--install', [CompletionResultType]::ParameterName, 'The command the pipeline runs to install cnbcargo')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'The pipeline''s Docker image (default: `rust:<version>`, the newest of the workspace''s `rust-version` and what cnbcargo needs)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the change as a diff and write nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cnbcargo;completions' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (`-vv` for even more); tokens are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cnbcargo;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Configure cargo to use a CNB registry')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Give cargo a CNB token for a registry')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove a registry''s token from cargo and from the OS keyring')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Publish crates, working around CNB''s crates.io proxy')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete crate versions from a CNB registry (cargo cannot)')
            [CompletionResult]::new('yank', 'yank', [CompletionResultType]::ParameterValue, 'Yank (or with `--undo`, unyank) crate versions through cargo')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the registry''s crates, or one crate''s versions')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Find what is wrong with this machine''s setup, and say how to fix it')
            [CompletionResult]::new('ci', 'ci', [CompletionResultType]::ParameterValue, 'Write a `.cnb.yaml` pipeline that publishes on tag pushes')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cnbcargo;help;init' {
            break
        }
        'cnbcargo;help;login' {
            break
        }
        'cnbcargo;help;logout' {
            break
        }
        'cnbcargo;help;publish' {
            break
        }
        'cnbcargo;help;delete' {
            break
        }
        'cnbcargo;help;yank' {
            break
        }
        'cnbcargo;help;list' {
            break
        }
        'cnbcargo;help;doctor' {
            break
        }
        'cnbcargo;help;ci' {
            break
        }
        'cnbcargo;help;completions' {
            break
        }
        'cnbcargo;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
