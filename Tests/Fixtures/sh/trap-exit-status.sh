trap "echo trap sees \$?" EXIT; (exit 3); exit
