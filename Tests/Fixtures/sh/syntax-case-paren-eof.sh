case x in (a
