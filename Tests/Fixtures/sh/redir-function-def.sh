f() { echo body; } > fout; f; cat fout
