umask 077; touch um; ls -l um | cut -c1-10
