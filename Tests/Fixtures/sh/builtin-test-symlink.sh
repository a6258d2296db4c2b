touch tgt; ln -sf tgt lnk; [ -h lnk ] && echo h; [ -L tgt ] || echo notlink
