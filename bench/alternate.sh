# Sourced by bench scripts: `alternate NAME CMD-A... -- CMD-B...` runs A then
# B once per round for $ROUNDS rounds (after one warm-up run each), output
# to /dev/null, and prints one markdown row: median wall ms of A and B and
# their ratio, median CPU (user+sys, /usr/bin/time, 10 ms resolution) ms of
# A and B and their ratio (ratio of medians).
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ALT_T=$(mktemp /tmp/toolbox-alt.XXXXXX)
# One run: "wall_us cpu_us".
run_one() {
    local s e
    s=$(date +%s%N)
    /usr/bin/time -f "%U %S" -o "$ALT_T" "$@" >/dev/null 2>&1 || true
    e=$(date +%s%N)
    echo "$(( (e - s) / 1000 )) $(awk '{printf "%d", ($1 + $2) * 1000000}' "$ALT_T")"
}
alternate() {
    local name=$1; shift
    local a=() b=(); while [ "$1" != "--" ]; do a+=("$1"); shift; done; shift; b=("$@")
    "${a[@]}" >/dev/null 2>&1 || true; "${b[@]}" >/dev/null 2>&1 || true
    local wa=() wb=() ca=() cb=() r
    for ((i = 0; i < ROUNDS; i++)); do
        r=$(run_one "${a[@]}"); wa+=("${r% *}"); ca+=("${r#* }")
        r=$(run_one "${b[@]}"); wb+=("${r% *}"); cb+=("${r#* }")
    done
    local mwa mwb mca mcb
    mwa=$(printf '%s\n' "${wa[@]}" | median); mwb=$(printf '%s\n' "${wb[@]}" | median)
    mca=$(printf '%s\n' "${ca[@]}" | median); mcb=$(printf '%s\n' "${cb[@]}" | median)
    awk -v n="$name" -v a="$mwa" -v b="$mwb" -v c="$mca" -v d="$mcb" 'BEGIN {
        printf "| %s | %.1f ms | %.1f ms | %.2fx | %.0f ms | %.0f ms | %s |\n", n, a / 1000, b / 1000, a / b, c / 1000, d / 1000, (d > 0 ? sprintf("%.2fx", c / d) : "-") }'
}
