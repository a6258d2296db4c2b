alias a1=x a2="y z"; alias
