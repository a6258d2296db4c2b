echo one; printf two; echo " three"; echo four >&2
