echo ${nope?}
