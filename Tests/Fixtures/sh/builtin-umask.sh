umask 027; umask; umask -S; umask 022
