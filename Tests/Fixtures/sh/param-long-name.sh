abc_DEF_123=v; echo $abc_DEF_123 ${abc_DEF_123}
