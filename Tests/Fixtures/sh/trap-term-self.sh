trap "echo got TERM; exit 4" TERM; kill -TERM $$; echo notreached
