mkdir -p real/inner; ln -s real/inner sl; cd sl; pwd | sed "s|.*/||"; cd ..; pwd | sed "s|.*/||" | grep -q real && echo physical || echo logical
