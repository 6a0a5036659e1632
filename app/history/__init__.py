"""Reading a product's history for people: price series for charts."""
