echo hi > f; cat f; echo again > f; cat f
