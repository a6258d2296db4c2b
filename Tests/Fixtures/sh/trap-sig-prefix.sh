trap "echo via-SIG" SIGUSR1; kill -s USR1 $$; echo after
