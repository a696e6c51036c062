{#- No personal data in the customer marts: no value that looks like an e-mail address. -#}
with

suspects as (

    select 'dim_customer' as relation, customer_key as row_key, cast(dim_customer as varchar) as row_text
    from {{ ref('dim_customer') }} as dim_customer

    union all

    select 'customer_match_issues', issue_id, cast(customer_match_issues as varchar)
    from {{ ref('customer_match_issues') }} as customer_match_issues

    union all

    select 'bridge_customer_source', system || ':' || source_id, cast(bridge_customer_source as varchar)
    from {{ ref('bridge_customer_source') }} as bridge_customer_source

),

final as (

    select relation, row_key
    from suspects
    where regexp_matches(row_text, '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+')

)

select * from final
