[ "-n" ] && echo dash-n-string; [ -z ] && echo dash-z-alone
