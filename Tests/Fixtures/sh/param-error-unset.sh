unset u; echo before; echo ${u?custom message}; echo after
