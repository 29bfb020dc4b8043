-- AUTOINCREMENT is harmless to keep: reverting only forgets the high-water
-- marks, which would let ids be reused again, so nothing is undone.
SELECT 1;
