echo line > f; exec 5<f; cat <&5
