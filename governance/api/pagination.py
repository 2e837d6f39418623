"""Page-number pagination with a client-chosen page size up to 200."""

from rest_framework.pagination import PageNumberPagination


class StewardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
