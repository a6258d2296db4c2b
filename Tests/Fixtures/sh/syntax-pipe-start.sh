| echo
