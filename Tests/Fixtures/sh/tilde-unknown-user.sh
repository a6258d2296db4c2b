echo ~nosuchuser_zz/x
