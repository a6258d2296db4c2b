/* An idle process for the ps benchmark: sleeps until killed. Its argv
 * (distinct per copy) is what ps prints. */
#include <unistd.h>
int main(void) { for (;;) pause(); }
