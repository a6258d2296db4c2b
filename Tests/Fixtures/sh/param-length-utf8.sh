x='héllo'; echo ${#x}
