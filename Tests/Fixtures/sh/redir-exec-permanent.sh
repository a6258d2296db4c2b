exec > f; echo hidden; echo more
