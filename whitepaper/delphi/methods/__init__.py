"""The methods report of a committee (ACCORD / DELPHISTAR reporting items), filled from the data."""
