{#- Source id → conformed customer_key: the one lookup every finance model joins.
    A thin view over mart.bridge_customer_source (owned by the customer models), so that
    the finance models name one input. Rows without a match use the unassigned member:
    coalesce(customer_key, unassigned_customer_key()). -#}
with

bridge_customer_source as (

    select * from {{ ref('bridge_customer_source') }}

),

final as (

    select system, source_id, customer_key
    from bridge_customer_source

)

select * from final
