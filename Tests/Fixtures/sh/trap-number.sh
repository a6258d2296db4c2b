trap "echo via-num" 10; kill -10 $$; echo after
