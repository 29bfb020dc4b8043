-- Column order is not observable through SQL; there is nothing to undo.
SELECT 1;
