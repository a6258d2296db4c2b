echo $(
