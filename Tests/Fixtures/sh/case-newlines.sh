case x
in
x)
echo nl
;;
esac
