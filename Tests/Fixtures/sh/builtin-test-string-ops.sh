[ abc \< abd ] && echo less; [ b \> a ] && echo greater
