complete --keep-order --exclusive --command desk --arguments "(DESK_COMPLETE=fish desk -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
