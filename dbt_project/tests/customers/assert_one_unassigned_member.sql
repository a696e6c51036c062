{#- dim_customer holds exactly one unassigned member, with the key of the macro
    unassigned_customer_key() and customer_type 'unassigned'. -#}
with

dim_customer as (

    select * from {{ ref('dim_customer') }}

),

unassigned as (

    select
        count(*) as members,
        count(*) filter (
            where customer_key = {{ unassigned_customer_key() }} and customer_type = 'unassigned'
        ) as well_formed
    from dim_customer
    where is_unassigned or customer_type = 'unassigned' or customer_key = {{ unassigned_customer_key() }}

),

final as (

    select * from unassigned
    where members <> 1 or well_formed <> 1

)

select * from final
