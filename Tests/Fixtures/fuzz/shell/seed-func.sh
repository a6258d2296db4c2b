true() { echo fn; }; true; command true; echo $?
