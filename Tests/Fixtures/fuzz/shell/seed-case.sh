for w in apple banana cherry; do case $w in a*) echo A;; b*|c*) echo BC;; esac; done
