f() echo simple-body; f
