"""The citizen's page: status and public answer by case number + last four phone digits, and rating."""
