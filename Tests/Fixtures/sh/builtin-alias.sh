alias ll="echo aliased"
ll arg
alias ll
unalias ll
ll 2>/dev/null || echo unaliased
