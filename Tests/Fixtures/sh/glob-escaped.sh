touch "s*t" s1t; echo s\*t
