echo() { printf "wrapped:%s\n" "$*"; }; echo hi; command echo direct
