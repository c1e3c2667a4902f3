
set edit:completion:arg-completer[cnbcargo] = { |@words|
    var index = (count $words)
    set index = (- $index 1)

    put (env _CLAP_IFS="\n" _CLAP_COMPLETE_INDEX=(to-string $index) CNBCARGO_COMPLETE="elvish" cnbcargo -- $@words) | to-lines
}

