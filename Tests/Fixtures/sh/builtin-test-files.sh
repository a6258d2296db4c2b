touch tf; mkdir -p td; [ -f tf ] && echo f; [ -d td ] && echo d; [ -e nothere ] || echo nofile; [ -s tf ] || echo empty
