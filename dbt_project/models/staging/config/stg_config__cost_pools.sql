with

source as (

    select * from {{ source('config', 'cost_pools') }}

),

final as (

    select * from source

)

select * from final
