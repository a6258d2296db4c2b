cat <<-EOF
	indented
		double
	EOF
echo after
