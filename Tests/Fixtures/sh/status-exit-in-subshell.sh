(exit 1) || echo sub-failed; echo continues
