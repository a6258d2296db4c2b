mkdir -p bin; printf "#!/bin/sh\necho local-cmd\n" > bin/lc; chmod +x bin/lc; PATH=$PWD/bin:$PATH lc
