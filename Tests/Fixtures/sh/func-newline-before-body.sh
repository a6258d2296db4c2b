f()
{
echo nl-body
}
f
