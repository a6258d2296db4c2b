echo "a
b
c"
done
