test x && echo nonempty; test "" || echo empty; test && echo no || echo zero-args
