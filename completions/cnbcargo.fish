complete --keep-order --exclusive --command cnbcargo --arguments "(CNBCARGO_COMPLETE=fish cnbcargo -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
